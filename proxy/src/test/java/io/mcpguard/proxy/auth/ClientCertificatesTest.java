package io.mcpguard.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.testing.TestCertificates;
import org.junit.jupiter.api.Test;

class ClientCertificatesTest {
    private static final TestCertificates.Issued CA = TestCertificates.ca("ca");

    @Test
    void a_certificate_with_a_san_is_named_by_its_san_and_not_its_cn() {
        var cert = TestCertificates.client(CA, "agent-cn", "spiffe://example.test/sa/agent")
                .certificate();
        assertThat(ClientCertificates.names(cert)).containsExactly("spiffe://example.test/sa/agent");
    }

    @Test
    void a_certificate_without_a_san_is_named_by_its_cn() {
        var cert = TestCertificates.client(CA, "agent-cn", null).certificate();
        assertThat(ClientCertificates.names(cert)).containsExactly("agent-cn");
    }

    @Test
    void a_server_certificate_is_named_by_its_dns_names() {
        var cert = TestCertificates.server(CA, "proxy").certificate();
        assertThat(ClientCertificates.names(cert)).containsExactly("localhost");
    }
}
