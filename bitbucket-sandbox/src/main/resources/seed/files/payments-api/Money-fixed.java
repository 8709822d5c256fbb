package com.acme.payments.core;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;

public record Money(long amountMinor, Currency currency) {
    /** JPY and KRW have no minor unit: use the currency's own fraction digits, not a fixed 2. */
    public static Money of(BigDecimal amount, Currency currency) {
        int digits = Math.max(0, currency.getDefaultFractionDigits());
        BigDecimal minor = amount.movePointRight(digits).setScale(0, RoundingMode.HALF_EVEN);
        return new Money(minor.longValueExact(), currency);
    }
}
