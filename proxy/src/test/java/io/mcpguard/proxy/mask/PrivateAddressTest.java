package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Private IPv4 and IPv6 addresses through the whole scanner, with the span each finding covers: where an address
 * ends (a zone, a port, the end of the text) and the shapes that are something else (too many groups, a second
 * {@code ::}, a word or an OID going on after it).
 */
class PrivateAddressTest {
    private final SensitiveDataScanner scanner = SensitiveDataScanner.withDefaults(List.of());

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            prefix fd12::                        | private-ipv6:fd12::
            ula fd12:3456::fd34:1 routed         | private-ipv6:fd12:3456::fd34:1
            link fe80::1%eth0                    | private-ipv6:fe80::1%eth0
            ping fe80::1% now                    | private-ipv6:fe80::1
            zone fe80::1%abcdefghijklmnopqrstuv  | private-ipv6:fe80::1%abcdefghijklmnop
            ula FD12:3456:789A:1::1              | private-ipv6:FD12:3456:789A:1::1
            fd12::1 at the start                 | private-ipv6:fd12::1
            ends with fd12                       |
            port ab:fd12::1                      |
            hex fdzz:1::1 and fd1z:1::1          |
            name v.fd12::1 and host.fd12::1      |
            twice fd12::1::2                     |
            three colons fd12:::1                |
            nine groups fd00:1:2:3:4:5:6:7:8     |
            eight and compressed fd00:1:2:3:4:5:6::7 |
            word after fd12::1g                  |
            colon after fd12:3456::1:            |
            gateway 10.0.0.1.                    | private-ip:10.0.0.1
            release 10.4.2                       |
            public 172.15.0.1 and 172.32.0.1     |
            oid 10.1.2.3.4 and name 10.1.2.3a    |
            """)
    void a_private_address_is_found_whole_and_its_near_misses_are_not(String text, String expected) {
        List<String> want = expected == null ? List.of() : Arrays.asList(expected.split(";"));

        assertThat(scanner.scan(text).stream()
                        .map(f -> f.classifier() + ":" + text.substring(f.start(), f.end()))
                        .toList())
                .isEqualTo(want);
    }

    @Test
    void an_internal_domain_may_be_configured_with_its_leading_dot_and_matches_in_lower_case_only() {
        SensitiveDataScanner dotted = SensitiveDataScanner.withDefaults(List.of(".Corp.Example.com"));
        String text = "db-1.corp.example.com and DB-2.CORP.EXAMPLE.COM";

        assertThat(dotted.scan(text).stream()
                        .map(f -> f.classifier() + ":" + text.substring(f.start(), f.end()))
                        .toList())
                .containsExactly("internal-hostname:db-1.corp.example.com");
    }
}
