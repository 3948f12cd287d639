// A JS config whose top-level await never settles.
await new Promise(() => {});
export default { plugins: [] };
