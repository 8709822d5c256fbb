import { useState } from "react";
import { Checkout } from "./checkout/Checkout";
import { useTheme } from "./theme/useTheme";

export function App() {
  const [cartId] = useState(() => crypto.randomUUID());
  const { theme, toggle } = useTheme();
  return (
    <main className={`app app--${theme}`}>
      <h1>Acme Checkout</h1>
      <button onClick={toggle} aria-label="Toggle dark mode">{theme === "dark" ? "☀" : "☾"}</button>
      <Checkout cartId={cartId} apiBase="https://api.acme-corp.example" />
    </main>
  );
}
