export function NewSession() {
  return <p>todo</p>;
}
