package io.mcpguard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mcpguard.core.bitbucket.BitbucketAuth;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CoreConfigTest {
    private static final String[] HTTP = {"--http"};

    @Test
    void defaults_are_bitbucket_cloud_read_only_on_loopback() {
        CoreConfig config = CoreConfig.from(HTTP, Map.of());
        assertThat(config.bitbucketUrl()).hasToString("https://api.bitbucket.org/2.0");
        assertThat(config.host()).isEqualTo("127.0.0.1");
        assertThat(config.port()).isEqualTo(8080);
        assertThat(config.writes()).isFalse();
        assertThat(config.dangerous()).isFalse();
        assertThat(config.auth()).isInstanceOf(BitbucketAuth.Anonymous.class);
    }

    @Test
    void api_token_is_basic_and_access_token_is_bearer() {
        CoreConfig basic = CoreConfig.from(HTTP, Map.of("BITBUCKET_EMAIL", "a@b.example", "BITBUCKET_API_TOKEN", "t"));
        assertThat(basic.auth().headerValue()).isEqualTo("Basic YUBiLmV4YW1wbGU6dA==");
        assertThat(basic.auth().toString()).doesNotContain("t)").contains("a@b.example");
        CoreConfig bearer = CoreConfig.from(HTTP, Map.of("BITBUCKET_ACCESS_TOKEN", "xyz"));
        assertThat(bearer.auth().headerValue()).isEqualTo("Bearer xyz");
        assertThat(bearer.auth().toString()).doesNotContain("xyz");
    }

    @Test
    void switches_and_port_are_read() {
        CoreConfig config = CoreConfig.from(
                new String[] {"--http", "--port", "9090"},
                Map.of("BITBUCKET_ENABLE_WRITES", "true", "BITBUCKET_ENABLE_DANGEROUS", "0"));
        assertThat(config.port()).isEqualTo(9090);
        assertThat(config.writes()).isTrue();
        assertThat(config.dangerous()).isFalse();
        assertThat(CoreConfig.from(new String[] {"--stdio"}, Map.of()).mode()).isEqualTo(CoreConfig.Mode.STDIO);
    }

    @Test
    void bad_settings_are_refused_with_their_name() {
        assertThatThrownBy(() -> CoreConfig.from(new String[] {}, Map.of())).hasMessageContaining("--stdio");
        assertThatThrownBy(() -> CoreConfig.from(new String[] {"--http", "--stdio"}, Map.of()))
                .hasMessageContaining("exclude");
        assertThatThrownBy(() -> CoreConfig.from(HTTP, Map.of("BITBUCKET_API_TOKEN", "t")))
                .hasMessageContaining("BITBUCKET_EMAIL");
        assertThatThrownBy(() -> CoreConfig.from(HTTP, Map.of("BITBUCKET_ENABLE_WRITES", "maybe")))
                .hasMessageContaining("BITBUCKET_ENABLE_WRITES");
        assertThatThrownBy(() -> CoreConfig.from(HTTP, Map.of("BITBUCKET_URL", "ftp://x")))
                .hasMessageContaining("BITBUCKET_URL");
        assertThatThrownBy(() -> CoreConfig.from(HTTP, Map.of("MCP_HTTP_PORT", "70000")))
                .hasMessageContaining("MCP_HTTP_PORT");
    }
}
