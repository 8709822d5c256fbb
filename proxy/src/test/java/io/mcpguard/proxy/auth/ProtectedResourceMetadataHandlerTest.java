package io.mcpguard.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.http.HttpAnswers;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 9728 metadata served without a credential at both well-known paths, read with GET only, and never served when
 * authentication is off; every other request passes on untouched.
 */
class ProtectedResourceMetadataHandlerTest {
    private static final String MCP = "/mcp";
    // Loopback, closed: the issuer's keys are fetched in the background and that fetch may fail; no test needs it.
    private static final URI ISSUER = URI.create("http://127.0.0.1:1/realms/acme");

    @TempDir
    Path dir;

    private final List<ExchangeLog> logs = new ArrayList<>();
    private final List<Object> timings = new ArrayList<>();
    private Authenticator authenticator;
    private EmbeddedChannel channel;

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        authenticator.close();
    }

    private void serve(ProxyConfig.Auth.Mode mode) {
        authenticator = new Authenticator(
                StageFixture.auth(mode, ISSUER, URI.create("http://127.0.0.1:1/jwks"), null, List.of("mcp")));
        channel = StageFixture.channel(
                logs,
                timings,
                new ProtectedResourceMetadataHandler(authenticator, new HttpAnswers(StageFixture.JSON), MCP));
    }

    private static HttpRequest get(String uri) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    }

    @Test
    void the_metadata_is_served_at_both_well_known_paths_without_a_credential() {
        serve(ProxyConfig.Auth.Mode.REQUIRED);

        for (String path :
                List.of("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp")) {
            channel.writeInbound(get(path + "?x=1"));
            FullHttpResponse response = channel.readOutbound();
            assertThat(response.status().code()).as(path).isEqualTo(200);
            JsonNode metadata = StageFixture.body(response);
            assertThat(metadata.get("resource").asText()).isEqualTo(StageFixture.RESOURCE);
            assertThat(metadata.get("authorization_servers").toString()).isEqualTo("[\"" + ISSUER + "\"]");
            assertThat(metadata.get("scopes_supported").toString()).isEqualTo("[\"mcp\"]");
        }
        assertThat((Object) channel.readInbound()).as("nothing passed on").isNull();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void metadata_is_read_with_get_and_a_chunked_post_closes_the_connection() {
        serve(ProxyConfig.Auth.Mode.REQUIRED);
        HttpRequest post =
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/.well-known/oauth-protected-resource");
        post.headers().set("Transfer-Encoding", "chunked");

        channel.writeInbound(post);
        FullHttpResponse response = channel.readOutbound();

        assertThat(response.status().code()).isEqualTo(405);
        assertThat(response.headers().get("Allow")).isEqualTo("GET");
        response.release();
        assertThat(channel.isOpen())
                .as("the body is never read: the connection ends with the answer")
                .isFalse();
        assertThat((Object) channel.readInbound()).isNull();
    }

    @Test
    void a_post_with_an_empty_body_is_refused_and_the_connection_kept() {
        serve(ProxyConfig.Auth.Mode.REQUIRED);
        HttpRequest post = new DefaultHttpRequest(
                HttpVersion.HTTP_1_1, HttpMethod.POST, "/.well-known/oauth-protected-resource/mcp");
        post.headers().set("Content-Length", "0");

        channel.writeInbound(post);
        FullHttpResponse response = channel.readOutbound();

        assertThat(response.status().code()).isEqualTo(405);
        response.release();
        assertThat(channel.isOpen())
                .as("nothing left to read: the connection may carry the next request")
                .isTrue();
    }

    @Test
    void other_paths_bad_requests_and_an_open_endpoint_are_passed_on() {
        serve(ProxyConfig.Auth.Mode.REQUIRED);
        HttpRequest broken = get("/.well-known/oauth-protected-resource");
        broken.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("bad header")));
        HttpRequest other = get("/.well-known/oauth-protected-resource/other");
        HttpContent piece = new DefaultHttpContent(Unpooled.EMPTY_BUFFER);

        HttpRequest mcp = get(MCP);
        channel.writeInbound(mcp, other, broken, piece);

        assertThat((Object) channel.readOutbound()).isNull();
        for (Object passed : List.of(mcp, other, broken, piece)) {
            assertThat((Object) channel.readInbound()).isSameAs(passed);
        }
        channel.finishAndReleaseAll();
        authenticator.close();

        serve(ProxyConfig.Auth.Mode.NONE);
        channel.writeInbound(get("/.well-known/oauth-protected-resource"));
        assertThat((Object) channel.readOutbound())
                .as("no authorization server to point to")
                .isNull();
        assertThat((Object) channel.readInbound()).isInstanceOf(HttpRequest.class);
    }
}
