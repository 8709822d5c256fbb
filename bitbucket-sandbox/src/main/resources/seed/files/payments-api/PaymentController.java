package com.acme.payments.api;

import com.acme.payments.core.PaymentService;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping("/v1/payments")
public class PaymentController {
    private final PaymentService payments;

    public PaymentController(PaymentService payments) {
        this.payments = payments;
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
}
