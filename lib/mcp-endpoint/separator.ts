/**
 * What may join a server's name to a tool's or prompt's on the aggregate
 * endpoint (aggregate-source.ts): a few characters that keep a joined name a
 * function name. A module of its own because the command checks the flag
 * before it loads anything of the endpoint.
 */
export const MCP_SEPARATOR = /^[A-Za-z0-9_-]{1,8}$/;
