package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;

/**
 * The question put to the policy for one client message: who, what, over which transport, and what the server
 * declared about the tool called.
 *
 * <p>Its JSON form is a contract with {@code policies/} ({@code input.version} = {@value #VERSION}, schema in
 * {@code policies/schema/input.schema.jsonc}); change both sides together. Tool arguments are passed as sent,
 * because permissions depend on them (which workspace, which repository).
 *
 * @param declaredTool what the server's {@code tools/list} said about the called tool ({@code annotations}, {@code
 *     data_classes}), or null when the message calls no tool or the proxy has not seen it listed
 * @param argumentFindings what request-side DLP found in the called tool's arguments ({@code
 *     request.argument_classes}, {@code request.argument_classifiers})
 */
public record PolicyInput(
        Subject subject,
        JsonRpcMessage message,
        TransportFacts transport,
        JsonNode declaredTool,
        ArgumentFindings argumentFindings) {
    public static final String VERSION = "2";

    public PolicyInput {
        argumentFindings = argumentFindings == null ? ArgumentFindings.NONE : argumentFindings;
    }

    public PolicyInput(Subject subject, JsonRpcMessage message, TransportFacts transport) {
        this(subject, message, transport, null, ArgumentFindings.NONE);
    }

    public PolicyInput(Subject subject, JsonRpcMessage message, TransportFacts transport, JsonNode declaredTool) {
        this(subject, message, transport, declaredTool, ArgumentFindings.NONE);
    }

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
            argumentFindings.classes().forEach(request.putArray("argument_classes")::add);
            argumentFindings.classifiers().forEach(request.putArray("argument_classifiers")::add);
        }
        String prompt = message.paramText("prompts/get", "name");
        if (prompt != null) {
            request.put("prompt", prompt);
        }
        // A subscription delivers the resource's updates: decided on its URI like a read.
        String resource = message.paramText("resources/read", "uri");
        if (resource == null) {
            resource = message.paramText("resources/subscribe", "uri");
        }
        if (resource != null) {
            request.put("resource", resource);
        }
        request.put("session_id", transport.sessionId());
        request.put("protocol_version", transport.protocolVersion());

        input.set("tool", declaredTool == null ? json.nullNode() : declaredTool);

        ObjectNode facts = input.putObject("transport");
        facts.put("client_address", transport.clientAddress());
        facts.put("tls", transport.tls());
        facts.put("http_method", transport.httpMethod());
        facts.put("path", transport.path());
        facts.put("batch_size", transport.batchSize());
        return input;
    }
}
