package com.acme.payments.core;

import java.util.Objects;

/** Refunds part or all of a captured payment. Partial refunds are capped at the captured amount. */
public class RefundService {
    private final PaymentRepository repository;
    private final AcquirerClient acquirer;

    public RefundService(PaymentRepository repository, AcquirerClient acquirer) {
        this.repository = Objects.requireNonNull(repository);
        this.acquirer = Objects.requireNonNull(acquirer);
    }

    public RefundResponse refund(String paymentId, String idempotencyKey, long amountMinor) {
        Payment payment = repository.findCaptured(paymentId)
                .orElseThrow(() -> new PaymentNotFoundException(paymentId));
        if (amountMinor <= 0 || amountMinor > payment.refundableMinor()) {
            throw new InvalidRefundException(paymentId, amountMinor, payment.refundableMinor());
        }
        return acquirer.refund(payment, idempotencyKey, amountMinor);
    }
}
