// Preloaded (node --require) into a test's MCP server that listens on every interface and has no option to
// do otherwise (@modelcontextprotocol/server-everything): a listen(port[, callback]) binds 127.0.0.1 instead.
const net = require("node:net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args.length > 0 && (typeof args[0] === "number" || (typeof args[0] === "string" && /^[0-9]+$/.test(args[0]))) && typeof args[1] !== "string") {
    args.splice(1, 0, "127.0.0.1");
  }
  return listen.apply(this, args);
};
