package io.mcpguard.core.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.spec.ProtocolVersions;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Sits in front of the SDK's Streamable HTTP servlet and fixes two of its defects (SDK 2.1.0):
 *
 * <ul>
 *   <li>it accepts any {@code MCP-Protocol-Version} on a live session; the spec (2025-06-18+, transports §"Protocol
 *       Version Header") says a server MUST answer 400 to an invalid or unsupported one. Checked here.
 *   <li>its {@code sendError} answers (unknown session on GET/DELETE, bad Origin/Host, 405, 413) are container HTML
 *       pages; here every such answer becomes a JSON-RPC error object with the same status.
 * </ul>
 */
public final class McpHttpGuardFilter implements Filter {
    static final List<String> SUPPORTED_VERSIONS = List.of(
            ProtocolVersions.MCP_2024_11_05,
            ProtocolVersions.MCP_2025_03_26,
            ProtocolVersions.MCP_2025_06_18,
            ProtocolVersions.MCP_2025_11_25);

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        String version = request.getHeader("MCP-Protocol-Version");
        if (version != null && !SUPPORTED_VERSIONS.contains(version.strip())) {
            writeError(
                    response,
                    HttpServletResponse.SC_BAD_REQUEST,
                    -32600,
                    "Bad Request: unsupported MCP-Protocol-Version '" + version + "'; this server supports "
                            + String.join(", ", SUPPORTED_VERSIONS));
            return;
        }
        chain.doFilter(request, new JsonErrorResponse(response));
    }

    static void writeError(HttpServletResponse response, int status, int code, String message) throws IOException {
        if (response.isCommitted()) return;
        response.resetBuffer();
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        byte[] body = JSON.writeValueAsBytes(JsonRpcErrorMapper.errorObject(code, message));
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        response.flushBuffer();
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found: unknown or expired session; start a new one with initialize";
            case 405 -> "Method Not Allowed";
            case 413 -> "Payload Too Large";
            case 421 -> "Misdirected Request: Host header not allowed";
            case 503 -> "Service Unavailable";
            default -> "HTTP " + status;
        };
    }

    /** Turns the servlet's {@code sendError} into a JSON-RPC error body instead of the container's HTML page. */
    private static final class JsonErrorResponse extends HttpServletResponseWrapper {
        JsonErrorResponse(HttpServletResponse response) {
            super(response);
        }

        @Override
        public void sendError(int status) throws IOException {
            sendError(status, null);
        }

        @Override
        public void sendError(int status, String message) throws IOException {
            String text = message == null || message.isBlank() ? reason(status) : message;
            int code = status == 400 ? -32600 : -32000;
            writeError((HttpServletResponse) getResponse(), status, code, text);
        }
    }
}
