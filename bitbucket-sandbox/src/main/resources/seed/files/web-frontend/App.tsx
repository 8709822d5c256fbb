import { useState } from "react";
import { Checkout } from "./checkout/Checkout";

export function App() {
  const [cartId] = useState(() => crypto.randomUUID());
  return (
    <main className="app">
      <h1>Acme Checkout</h1>
      <Checkout cartId={cartId} apiBase="https://api.acme-corp.example" />
    </main>
  );
}
