package com.acme.payments.api;

import com.acme.payments.core.PaymentService;
import com.acme.payments.core.RefundService;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping("/v1/payments")
public class PaymentController {
    private final PaymentService payments;
    private final RefundService refunds;

    public PaymentController(PaymentService payments, RefundService refunds) {
        this.payments = payments;
        this.refunds = refunds;
    }

    @PostMapping
    public ResponseEntity<PaymentResponse> create(
            @RequestHeader("Idempotency-Key") String idempotencyKey, @RequestBody PaymentRequest request) {
        return ResponseEntity.ok(payments.authorize(idempotencyKey, request));
    }

    @GetMapping("/{id}")
    public ResponseEntity<PaymentResponse> get(@PathVariable String id) {
        return payments.find(id).map(ResponseEntity::ok).orElse(ResponseEntity.notFound().build());
    }

    @PostMapping("/{id}/refunds")
    public ResponseEntity<RefundResponse> refund(
            @PathVariable String id,
            @RequestHeader("Idempotency-Key") String idempotencyKey,
            @RequestBody RefundRequest request) {
        return ResponseEntity.ok(refunds.refund(id, idempotencyKey, request.amountMinor()));
    }
}
