// A dual-era MCP server on the TypeScript SDK v2 (2026-07-28 stateless, and legacy sessions), on 127.0.0.1 only.
//
//   node modern-server.mjs <port>
//
// Its tools carry the names of the Bitbucket catalogue so the repository's policies decide them, and answer with
// text that holds planted secrets, for the masking behind it to find. Prints "listening <port>" once it listens.
import http from 'node:http';
import * as z from 'zod/v4';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';

const port = Number(process.argv[2]);
const handler = createMcpHandler(() => {
  const server = new McpServer({ name: 'modern-reference', version: '1.0.0' });
  server.registerTool(
    'list_workspaces',
    {
      description: 'The workspaces, optionally filtered; the filter travels in a header too (SEP-2243)',
      inputSchema: z.object({ query: z.string().optional().meta({ 'x-mcp-header': 'Query' }) }),
    },
    async ({ query }) => ({ content: [{ type: 'text', text: query ? `acme (matching ${query})` : 'acme' }] }));
  server.registerTool(
    'get_repository',
    { description: 'A repository', inputSchema: z.object({ workspace: z.string(), repo: z.string() }) },
    async ({ workspace, repo }) => ({
      content: [{ type: 'text', text: `repository ${workspace}/${repo}; deploy key AKIAIOSFODNN7EXAMPLE; owner ada@acme.example` }],
    }));
  server.registerTool(
    'merge_pull_request',
    { description: 'Merges a pull request', inputSchema: z.object({ workspace: z.string(), repo: z.string(), pr_id: z.number() }) },
    async () => ({ content: [{ type: 'text', text: 'merged' }] }));
  return server;
});
const listening = http.createServer(toNodeHandler(handler));
listening.listen(port, '127.0.0.1', () => console.log(`listening ${listening.address().port}`));
