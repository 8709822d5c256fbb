package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each named check on a published valid example and on the near misses it must turn away: the wrong check digit,
 * the wrong length, a reserved prefix or range.
 */
class CheckDigitsTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef-test-only".getBytes(StandardCharsets.UTF_8);

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
            luhn            | 5                         | false
            luhn            | 18                        | true
            iban            | NO93 8601 1117 947        | true
            basic-auth      | dXNlcjpwYXNzIHdvcmQ=      | true
            basic-auth      | OnBhOnNz                  | false
            uk-nino         | AD123456C                 | false
            ie-ppsn         | 1234567OB                 | true
            # A sign or letter where digits belong, with a check that the arithmetic would accept: only the
            # alphabet test turns these away (parseInt takes a leading '+'; mod 97 reads '_' as a letter).
            iban            | GB21WEST1234569876543_    | false
            es-dni          | +1234567L                 | false
            fi-hetu         | +31052-308B               | false
            fr-nir          | +55081416802541           | false
            ie-ppsn         | A234567J                  | false
            sg-nric         | SA234567E                 | false
            basic-auth      | dXNlcjpwYTpzcw==          | true
            basic-auth      | dXNlcn86cA==              | false
            us-ssn          | 536-90-4399               | true
            us-ssn          | 536-90-439                | false
            us-ssn          | 111-11-1111               | false
            uk-nino         | AB.12.34.56.C             | true
            uk-nino         | AB\t123456C               | true
            uk-nhs          | 100 000 0060              | true
            uk-nhs          | 100 000 0061              | false
            uk-nhs          | 100 000 0010              | false
            es-dni          | 12345678/Z                | true
            it-fiscal-code  | RSSMRA85T10A562S          | true
            it-fiscal-code  | RSSMRA85T10A562T          | false
            it-fiscal-code  | RSSMRA85T10A562           | false
            it-fiscal-code  | RSSMRA85T10A5_2S          | false
            fi-hetu         | 131052-308T               | true
            fi-hetu         | 131052-308U               | false
            fi-hetu         | 131052-308                | false
            fi-hetu         | 13105X-308T               | false
            se-personnummer | 811228-9874               | true
            se-personnummer | 19811228-9874             | true
            se-personnummer | 19811228-9873             | false
            se-personnummer | 1811228-9874              | false
            fr-nir          | 2 55 08 14 168 025 38     | true
            fr-nir          | 2 55 08 2A 168 026 96     | true
            fr-nir          | 2 55 08 2b 168 026 26     | true
            fr-nir          | 2 55 08 14 168 025 39     | false
            fr-nir          | 2 55 08 14 168 025 3      | false
            fr-nir          | 2 55 08 2C 168 026 96     | false
            be-national-number | 85.07.30-033.28        | true
            be-national-number | 01.02.03-123.45        | true
            be-national-number | 01.02.03-123.16        | true
            be-national-number | 01.02.03-123.46        | false
            be-national-number | 01.02.03-123.4         | false
            pt-nif          | 123456789                 | true
            pt-nif          | 123456720                 | true
            pt-nif          | 123456721                 | false
            pt-nif          | 12345678                  | false
            de-tax-id       | 86 095 742 719            | true
            de-tax-id       | 10000000000               | true
            de-tax-id       | 86 095 742 718            | false
            de-tax-id       | 8609574271                | false
            de-tax-id       | 06095742719               | false
            ie-ppsn         | 1234567T                  | true
            ie-ppsn         | 1234567TW                 | true
            ie-ppsn         | 1234567FA                 | true
            ie-ppsn         | 1234567TA                 | false
            ie-ppsn         | 123456T                   | false
            ie-ppsn         | 1234567TWW                | false
            ie-ppsn         | 12345X7T                  | false
            in-aadhaar      | 2341 2341 2346            | true
            in-aadhaar      | 1234 1234 1234            | false
            in-aadhaar      | 2341 2341 234             | false
            au-tfn          | 123 456 782               | true
            au-tfn          | 123 456 789               | false
            au-tfn          | 123 456 78                | false
            sg-nric         | S1234567D                 | true
            sg-nric         | T1234567J                 | true
            sg-nric         | F1234567N                 | true
            sg-nric         | G1234567X                 | true
            sg-nric         | M1234567X                 | true
            sg-nric         | T1234567D                 | false
            sg-nric         | A1234567D                 | false
            sg-nric         | S12345X7D                 | false
            sg-nric         | S123456D                  | false
            """)
    void a_check_accepts_the_valid_example_and_turns_away_the_near_miss(String name, String value, boolean valid) {
        CheckDigits check = CheckDigits.named(name);

        assertThat(check).as(name).isNotNull();
        assertThat(check.test(value)).as("%s(%s)", name, value).isEqualTo(valid);
    }

    /**
     * Through the scanner and the masker, with the shipped rules: the identifier with its check right is masked
     * whole under its rule's name, the same text with the check one off is left as it is.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            uk-nhs-number      | NHS no. 1000000060 (check digit 0)              | 1000000060 | 1000000061
            fr-nir             | NIR 2 55 08 2A 168 026 96 (born in Corsica)     | 2 55 08 2A 168 026 96 | 2 55 08 2A 168 026 95
            be-national-number | national register number 01.02.03-123.45 (2001) | 01.02.03-123.45 | 01.02.03-123.46
            se-personnummer    | personnummer 19811228-9874                      | 19811228-9874 | 19811228-9873
            pt-nif             | NIF: 123456720                                  | 123456720 | 123456721
            ie-ppsn            | PPSN 1234567TW                                  | 1234567TW | 1234567TA
            ie-ppsn            | PPS number 1234567FA                            | 1234567FA | 1234567GA
            sg-nric            | NRIC T1234567J                                  | T1234567J | T1234567D
            sg-nric            | FIN no G1234567X                                | G1234567X | G1234567K
            sg-nric            | NRIC M1234567X                                  | M1234567X | M1234567K
            de-tax-id          | Steuer-ID: 10 000 000 000                       | 10 000 000 000 | 10 000 000 001
            in-aadhaar         | Aadhaar: 2341 2341 2346                         | 2341 2341 2346 | 2341 2341 2345
            """)
    void an_identifier_is_masked_only_when_its_check_is_right(String rule, String text, String id, String offByOne) {
        TextMasker masker = new TextMasker(SensitiveDataScanner.withDefaults(List.of()), KEY);
        String wrong = text.replace(id, offByOne);

        assertThat(masker.mask(text, MaskRule.all(MaskStyle.REDACT), new MaskCounts()))
                .isEqualTo(text.replace(id, "[REDACTED:" + rule + "]"));
        assertThat(masker.mask(wrong, MaskRule.all(MaskStyle.REDACT), new MaskCounts()))
                .as("one off")
                .isEqualTo(wrong);
    }

    @ParameterizedTest
    @CsvSource({"us_itin", "LUHN", "nope", "''"})
    void only_a_rule_name_as_a_rules_file_writes_it_names_a_check(String name) {
        assertThat(CheckDigits.named(name)).isNull();
        assertThat(CheckDigits.names()).contains("us-itin", "luhn").doesNotContain("_");
    }
}
