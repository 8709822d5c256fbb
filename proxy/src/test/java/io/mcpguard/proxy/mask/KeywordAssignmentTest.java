package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Values assigned to secret-sounding keys, through the whole scanner: which key names and separators make an
 * assignment, where the value ends, and which values are placeholders or code, not secrets.
 */
class KeywordAssignmentTest {
    private final SensitiveDataScanner scanner = SensitiveDataScanner.withDefaults(List.of());

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            paypal_secret = q8m2V7x4K1p9Z3r6       | secret-assignment:q8m2V7x4K1p9Z3r6
            keep_alive_token: Zt8kQ2mW9xR4vB7n     | secret-assignment:Zt8kQ2mW9xR4vB7n
            crypto_signing_key=Hq3Lm8Vt2Xw6Rk9P    | secret-assignment:Hq3Lm8Vt2Xw6Rk9P
            db_pwd = hunter22                      | password-assignment:hunter22
            pwd=hunter22                           | password-assignment:hunter22
            credential = Zt8kQ2mW9xR4vB7nX3        | secret-assignment:Zt8kQ2mW9xR4vB7nX3
            password_plain=hunter22                | password-assignment:hunter22
            'password' : 'hunter22'                | password-assignment:hunter22
            password\t= hunter22                   | password-assignment:hunter22
            call(password=hunter22)                | password-assignment:hunter22
            [password=hunter22]                    | password-assignment:hunter22
            token=Zt8kQ2mW9xR4vB7nX3&user=ada      | secret-assignment:Zt8kQ2mW9xR4vB7nX3
            SharedAccessKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1 | azure-storage-key:Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1
            password={{db_password}}               |
            password=%DB_PASSWORD%                 |
            password=$(cat /run/secrets/db)        |
            password: [REDACTED:password]          |
            password: xxxxxxxx                     |
            password: XXXX                         |
            password: none                         |
            password: True                         |
            password = false                       |
            password: changeme                     |
            password: required                     |
            password: Optional                     |
            password = process.env.DB_PASSWORD     |
            password = System.getenv("DB_PASSWORD") |
            password: "readPassword()"             |
            password == hunter22                   |
            `the key is password:`                 |
            `the key is password=`                 |
            `the key is password: `                |
            token://Zt8kQ2mW9xR4vB7nX3             |
            """)
    void a_value_is_found_only_after_a_secret_key_and_when_it_is_no_placeholder(String text, String expected) {
        List<String> want = expected == null ? List.of() : Arrays.asList(expected.split(";"));

        assertThat(found(text)).isEqualTo(want);
    }

    @Test
    void a_key_longer_than_a_key_can_be_is_no_key() {
        // The identifier is read back at most 64 characters from the separator; one longer is not a key name.
        String longest = "a".repeat(55) + "_password"; // 64 characters

        assertThat(found(longest + "=hunter22")).containsExactly("password-assignment:hunter22");
        assertThat(found("a" + longest + "=hunter22")).isEmpty();
        assertThat(found("a".repeat(10) + longest + "=hunter22")).isEmpty();
    }

    @Test
    void a_value_longer_than_any_credential_is_a_blob_not_a_secret() {
        String blob = "Zt8kQ2mW9xR4vB7n".repeat(40); // 640 characters, more than the 512 a value may have

        assertThat(found("token=" + blob + " end")).isEmpty();
        assertThat(found("token=" + blob.substring(0, 500) + " end"))
                .containsExactly("secret-assignment:" + blob.substring(0, 500));
    }

    private List<String> found(String text) {
        return scanner.scan(text).stream()
                .map(f -> f.classifier() + ":" + text.substring(f.start(), f.end()))
                .toList();
    }
}
