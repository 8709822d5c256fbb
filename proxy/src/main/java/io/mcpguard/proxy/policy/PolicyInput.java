package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;

/**
 * The question put to the policy for one client message: who, what, and over which transport.
 *
 * <p>Its JSON form is a contract with {@code policies/} ({@code input.version} = {@value #VERSION}); change both
 * sides together. Tool arguments are passed as sent, because permissions depend on them (which workspace, which
 * repository).
 */
public record PolicyInput(Subject subject, JsonRpcMessage message, TransportFacts transport) {
    public static final String VERSION = "1";

    public ObjectNode toJson() {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode input = json.objectNode();
        input.put("version", VERSION);

        ObjectNode who = input.putObject("subject");
        who.put("id", subject.id());
        who.put("authenticated", subject.authenticated());
        who.put("auth_method", subject.authMethod());
        subject.roles().forEach(who.putArray("roles")::add);
        subject.groups().forEach(who.putArray("groups")::add);
        who.put("tenant", subject.tenant());
        subject.amr().forEach(who.putArray("amr")::add);
        who.put("acr", subject.acr());
        if (subject.authTime() == null) {
            who.putNull("auth_time");
        } else {
            who.put("auth_time", subject.authTime().getEpochSecond());
        }
        who.put("client_id", subject.clientId());

        ObjectNode request = input.putObject("request");
        request.put("direction", "client_to_server");
        request.put("kind", message.kind().wireName());
        if (message.method() != null) {
            request.put("method", message.method());
        }
        if (message.id() != null) {
            request.set("id", message.id());
        }
        String tool = message.toolName();
        if (tool != null) {
            request.put("tool", tool);
            ObjectNode arguments = message.toolArguments();
            request.set("arguments", arguments == null ? json.objectNode() : arguments);
        }
        request.put("session_id", transport.sessionId());
        request.put("protocol_version", transport.protocolVersion());

        ObjectNode facts = input.putObject("transport");
        facts.put("client_address", transport.clientAddress());
        facts.put("tls", transport.tls());
        facts.put("http_method", transport.httpMethod());
        facts.put("path", transport.path());
        facts.put("batch_size", transport.batchSize());
        return input;
    }
}
