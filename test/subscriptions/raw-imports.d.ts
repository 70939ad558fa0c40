// Golden fixtures are imported as text (Vite's `?raw` suffix) so tests can compare them byte for byte.
declare module "*?raw" {
  const text: string;
  export default text;
}
