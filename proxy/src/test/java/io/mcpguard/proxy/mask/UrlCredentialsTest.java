package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The password in a URL's userinfo through the whole scanner: a data store's (JDBC ones too) is a secret, any
 * other URL's a credential; a userinfo cut by a query, a fragment or a quote, or without a password, is none
 * (what follows a query's or fragment's '@' is at most an address).
 */
class UrlCredentialsTest {
    private final SensitiveDataScanner scanner = SensitiveDataScanner.withDefaults(List.of());

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            jdbc:mysql://app:S3cr3tPw@db-primary:3306/shop    | database-url-password:S3cr3tPw
            https://deploy:tok3nvalue@git.example.com/r.git   | url-credentials:tok3nvalue
            https://deploy:@git.example.com/r.git             |
            https://deploy:tok3n?x=1@git.example.com          | email:1@git.example.com
            https://deploy:tok3n#x@git.example.com            | email:x@git.example.com
            `'https://deploy:tok3n'@git.example.com`          |
            """)
    void the_password_of_a_url_is_found_only_in_a_whole_userinfo(String text, String expected) {
        List<String> want = expected == null ? List.of() : Arrays.asList(expected.split(";"));

        assertThat(scanner.scan(text).stream()
                        .map(f -> f.classifier() + ":" + text.substring(f.start(), f.end()))
                        .toList())
                .isEqualTo(want);
    }
}
