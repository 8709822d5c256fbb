package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each named check on a published valid example and on the near misses it must turn away: the wrong check digit,
 * the wrong length, a reserved prefix or range.
 */
class CheckDigitsTest {
    @ParameterizedTest(name = "{0}({1}) = {2}")
    @CsvSource(delimiter = '|', textBlock = """
            us-itin         | 912-50-1234               | true
            us-itin         | 912-65-1234               | true
            us-itin         | 912-70-1234               | true
            us-itin         | 912-88-1234               | true
            us-itin         | 912-90-1234               | true
            us-itin         | 912-92-1234               | true
            us-itin         | 912-94-1234               | true
            us-itin         | 912-49-1234               | false
            us-itin         | 912-66-1234               | false
            us-itin         | 912-69-1234               | false
            us-itin         | 912-89-1234               | false
            us-itin         | 912-93-1234               | false
            us-itin         | 812-70-1234               | false
            us-itin         | 912-70-123                | false
            uk-nino         | AB 12 34 56 C             | true
            uk-nino         | ab123456c                 | true
            uk-nino         | BG123456C                 | false
            uk-nino         | ZZ123456C                 | false
            uk-nino         | DA123456C                 | false
            uk-nino         | AO123456C                 | false
            uk-nino         | AB12345C                  | false
            basic-auth      | dXNlcjpwYXNz              | true
            basic-auth      | OnBhc3M=                  | false
            basic-auth      | dXNlcjo=                  | false
            basic-auth      | dXNlcnBhc3M=              | false
            basic-auth      | dXMBZXI6cA==              | false
            es-dni          | 12345678Z                 | true
            es-dni          | 12345678-z                | true
            es-dni          | X1234567L                 | true
            es-dni          | Y1234567X                 | true
            es-dni          | Z1234567R                 | true
            es-dni          | 12345678A                 | false
            es-dni          | 1234567AZ                 | false
            es-dni          | 1234567Z                  | false
            nl-bsn          | 111222333                 | true
            nl-bsn          | 1112.22.333               | true
            nl-bsn          | 111222334                 | false
            nl-bsn          | 000000000                 | false
            nl-bsn          | 11122233                  | false
            uk-nhs          | 943 476 5919              | true
            uk-nhs          | 943 476 5918              | false
            uk-nhs          | 943 476 591               | false
            pl-pesel        | 44051401359               | true
            pl-pesel        | 44051401358               | false
            pl-pesel        | 4405140135                | false
            us-aba-routing  | 011000015                 | true
            us-aba-routing  | 011000016                 | false
            iban            | GB82 WEST 1234 5698 7654 32 | true
            iban            | gb82west12345698765432    | true
            iban            | GB82 WEST 1234 5698 7654 33 | false
            iban            | GB82WEST123               | false
            iban            | GB82_WEST12345698765432   | false
            luhn            | 4111 1111 1111 1111       | true
            luhn            | 4111 1111 1111 1112       | false
            """)
    void a_check_accepts_the_valid_example_and_turns_away_the_near_miss(String name, String value, boolean valid) {
        CheckDigits check = CheckDigits.named(name);

        assertThat(check).as(name).isNotNull();
        assertThat(check.test(value)).as("%s(%s)", name, value).isEqualTo(valid);
    }

    @ParameterizedTest
    @CsvSource({"us_itin", "LUHN", "nope", "''"})
    void only_a_rule_name_as_a_rules_file_writes_it_names_a_check(String name) {
        assertThat(CheckDigits.named(name)).isNull();
        assertThat(CheckDigits.names()).contains("us-itin", "luhn").doesNotContain("_");
    }
}
