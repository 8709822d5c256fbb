package io.mcpguard.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

class HopByHopHeadersTest {

    @Test
    void the_fixed_set_and_every_header_named_by_connection_are_removed() {
        HttpHeaders headers = new DefaultHttpHeaders()
                .add("Connection", "keep-alive, X-Session-Secret")
                .add("Connection", "Upgrade")
                .add("Keep-Alive", "timeout=5")
                .add("Transfer-Encoding", "chunked")
                .add("TE", "trailers")
                .add("Upgrade", "h2c")
                .add("Proxy-Authorization", "Basic abc")
                .add("X-Session-Secret", "hop-only")
                .add("Mcp-Session-Id", "s-1")
                .add("Last-Event-ID", "e-7")
                .add("Content-Type", "application/json");

        HopByHopHeaders.strip(headers);

        assertThat(headers.names()).containsExactlyInAnyOrder("Mcp-Session-Id", "Last-Event-ID", "Content-Type");
    }
}
