// A plugin whose top-level await never settles: its import() never finishes.
await new Promise(() => {});
export default {};
