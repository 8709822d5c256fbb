// A dual-era MCP server on the TypeScript SDK v2 (2026-07-28 stateless, and legacy sessions), on 127.0.0.1 only.
//
//   node modern-server.mjs <port>
//
// Its tools carry the names of the Bitbucket catalogue so the repository's policies decide them, and answer with
// text that holds planted secrets, for the masking behind it to find. Prints "listening <port>" once it listens.
import http from 'node:http';
import * as z from 'zod/v4';
import {
  McpServer, createMcpHandler, inputRequired, acceptedContent, createRequestStateCodec,
} from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';

const port = Number(process.argv[2]);
// Multi round-trip state, sealed with an HMAC as a careful server does: opaque and high-entropy to anyone else.
const states = createRequestStateCodec({ key: 'modern-reference-request-state-key-0123456789' });
const handler = createMcpHandler(() => {
  const server = new McpServer(
    { name: 'modern-reference', version: '1.0.0' },
    { requestState: { verify: states.verify } });
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
  // Multi round-trip (2026-07-28): asks the client to confirm, with a planted secret in the question, and carries the
  // target in its sealed requestState; the retry answers from that state.
  server.registerTool(
    'list_branches',
    { description: 'Branches, after a confirmation', inputSchema: z.object({ workspace: z.string(), repo: z.string() }) },
    async ({ workspace, repo }, ctx) => {
      const confirmed = acceptedContent(ctx.mcpReq.inputResponses, 'confirm');
      if (confirmed?.confirm !== true) {
        return inputRequired({
          inputRequests: {
            confirm: inputRequired.elicit({
              message: `List the branches of ${workspace}/${repo}? Deploy key AKIAIOSFODNN7EXAMPLE`,
              requestedSchema: z.object({ confirm: z.boolean() }),
            }),
          },
          requestState: await states.mint({ workspace, repo }),
        });
      }
      const state = await ctx.mcpReq.requestState();
      return { content: [{ type: 'text', text: `branches of ${state.workspace}/${state.repo}: main` }] };
    });
  server.registerTool(
    'merge_pull_request',
    { description: 'Merges a pull request', inputSchema: z.object({ workspace: z.string(), repo: z.string(), pr_id: z.number() }) },
    async () => ({ content: [{ type: 'text', text: 'merged' }] }));
  return server;
});
const listening = http.createServer(toNodeHandler(handler));
listening.listen(port, '127.0.0.1', () => console.log(`listening ${listening.address().port}`));
