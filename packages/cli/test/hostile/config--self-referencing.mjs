// A JS config whose plugin options refer to themselves (print-config would print them forever).
const options = { sameFunction: 'any' };
options.again = options;
export default { plugins: [{ plugin: 'vendor-tags', severity: 'off', options }] };
