// A scripted stdio MCP server for the stdio bridge's tests: newline-delimited JSON-RPC on stdin/stdout.
// MODE=silent never answers initialize. Tools: "plain" echoes, "chatty" asks the client things first,
// "slow" never answers, "cancelled" lists the request ids the client cancelled, "exit" ends the process.
const readline = require('readline');
const send = (m) => process.stdout.write(JSON.stringify(m) + '\n');
const cancelled = [];
const waiting = {};
let chattyCall = null;
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const m = JSON.parse(line);
  if (m.method === 'initialize') {
    if (process.env.MODE === 'silent') return;
    send({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} },
      serverInfo: { name: 'scripted', version: '1' } } });
  } else if (m.method === 'notifications/cancelled') {
    cancelled.push(m.params.requestId);
  } else if (m.method === 'tools/call') {
    const name = m.params.name;
    if (name === 'plain') {
      send({ jsonrpc: '2.0', id: m.id, result: { content: [{ type: 'text', text: 'plain ' + m.params.arguments.text }] } });
    } else if (name === 'chatty') {
      chattyCall = m.id;
      send({ jsonrpc: '2.0', id: 's1', method: 'ping' });
      send({ jsonrpc: '2.0', id: 's2', method: 'sampling/createMessage', params: { messages: [] } });
      send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'for nobody' } });
      process.stdout.write('this is no JSON\n');
      send({ jsonrpc: '2.0', id: 'nobody-asked', result: {} });
    } else if (name === 'cancelled') {
      send({ jsonrpc: '2.0', id: m.id, result: { content: [{ type: 'text', text: JSON.stringify(cancelled) }] } });
    } else if (name === 'exit') {
      process.exit(3);
    }
    // "slow": no answer
  } else if (m.id !== undefined && !m.method) {
    waiting[m.id] = m;
    if (waiting.s1 && waiting.s2 && chattyCall !== null) {
      send({ jsonrpc: '2.0', id: chattyCall, result: { content: [{ type: 'text', text: JSON.stringify([waiting.s1, waiting.s2]) }] } });
      chattyCall = null;
    }
  } else if (m.id !== undefined) {
    send({ jsonrpc: '2.0', id: m.id, result: { method: m.method } });
  }
});
