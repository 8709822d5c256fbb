// A 2026-07-28 MCP client: the TypeScript SDK v2 client pinned to the modern era (no initialize, no session).
//
//   node modern-client.mjs <mcp-url> <bearer-token or -> <headers-json> <calls-json>
//
// calls-json: [{"tool": "...", "arguments": {...}}, ...]. Prints one JSON object on stdout: the negotiated version,
// the tool names listed, and each call's result or error. Exits 1 when the client cannot connect.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const [url, token, headersJson = '{}', callsJson = '[]'] = process.argv.slice(2);
const headers = JSON.parse(headersJson);
if (token && token !== '-') headers.Authorization = `Bearer ${token}`;
const client = new Client(
  { name: 'mcpguard-modern-test', version: '1.0.0' },
  { capabilities: { elicitation: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } });
const out = { calls: [], elicitations: [] };
// A server that asks (multi round-trip) is answered yes; what it asked is kept for the test to read.
client.setRequestHandler('elicitation/create', async (request) => {
  out.elicitations.push(request.params.message);
  return { action: 'accept', content: { confirm: true } };
});
try {
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  out.protocolVersion = client.transport?.protocolVersion ?? null;
  out.tools = (await client.listTools()).tools.map((t) => t.name);
  for (const call of JSON.parse(callsJson)) {
    try {
      out.calls.push({ result: await client.callTool({ name: call.tool, arguments: call.arguments ?? {} }) });
    } catch (e) {
      out.calls.push({ error: { code: e.code ?? null, message: String(e.message ?? e) } });
    }
  }
  await client.close();
} catch (e) {
  out.error = { code: e.code ?? null, message: String(e.message ?? e) };
  console.log(JSON.stringify(out));
  process.exit(1);
}
console.log(JSON.stringify(out));
