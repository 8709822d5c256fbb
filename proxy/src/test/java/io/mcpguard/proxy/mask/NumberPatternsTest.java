package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Cards, US SSNs and phone numbers through the whole scanner: every issuer range a card number may start with (and
 * the numbers just outside them, Luhn-valid all the same), and the digit shapes that are almost an SSN or a phone.
 */
class NumberPatternsTest {
    private final SensitiveDataScanner scanner = SensitiveDataScanner.withDefaults(List.of());

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            mastercard 2223 0031 2200 0004   | payment-card:2223 0031 2200 0004
            mastercard 2720 0000 0000 0005   | payment-card:2720 0000 0000 0005
            amex 3782 822463 10005           | payment-card:3782 822463 10005
            discover 6011 0000 0000 0004     | payment-card:6011 0000 0000 0004
            discover 6500 0000 0000 0002     | payment-card:6500 0000 0000 0002
            jcb 3530 0000 0000 0003          | payment-card:3530 0000 0000 0003
            jcb 3589 0000 0000 0003          | payment-card:3589 0000 0000 0003
            diners 3600 0000 0000 08         | payment-card:3600 0000 0000 08
            diners 3800 0000 0000 06         | payment-card:3800 0000 0000 06
            mastercard 5100 0000 0000 0008   | payment-card:5100 0000 0000 0008
            mastercard 5500 0000 0000 0004   | payment-card:5500 0000 0000 0004
            mastercard 2221 0000 0000 0009   | payment-card:2221 0000 0000 0009
            jcb 3528 0000 0000 0007          | payment-card:3528 0000 0000 0007
            visa 4222222200004               | payment-card:4222222200004
            visa 4111111111111111003         | payment-card:4111111111111111003
            price\u00804111 1111 1111 1111   | payment-card:4111 1111 1111 1111
            ref 5000 0000 0000 0009          |
            ref 5600 0000 0000 0003          |
            ref 411111110002                 |
            ref 41111111111111110000         |
            ref 2220 0000 0000 0000          |
            ref 2721 0000 0000 0004          |
            ref 3527 0000 0000 0008          |
            ref 9900 0000 0000 0002          |
            ref 3000 0000 0000 04            |
            case 536- 90- 4399               |
            ref 536-904-399                  |
            tel +44 20 7946 0958             | phone:+44 20 7946 0958
            id +442079460958                 |
            v +44.20.7946.0958               |
            tel +1 234 567                   |
            id +1 234 567 890 123 4567       |
            tel 555-010-9999                 | phone:555-010-9999
            ref 055-010-9999                 |
            ref 5550-10-9999                 |
            ref 555-0100-999                 |
            ref 12345678 +                   |
            """)
    void a_number_is_found_only_in_the_shape_and_range_of_its_kind(String text, String expected) {
        List<String> want = expected == null ? List.of() : Arrays.asList(expected.split(";"));

        assertThat(scanner.scan(text).stream()
                        .map(f -> f.classifier() + ":" + text.substring(f.start(), f.end()))
                        .toList())
                .isEqualTo(want);
    }
}
