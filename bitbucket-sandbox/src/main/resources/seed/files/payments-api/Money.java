package com.acme.payments.core;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;

public record Money(long amountMinor, Currency currency) {
    public static Money of(BigDecimal amount, Currency currency) {
        BigDecimal minor = amount.movePointRight(2).setScale(0, RoundingMode.HALF_UP);
        return new Money(minor.longValueExact(), currency);
    }
}
