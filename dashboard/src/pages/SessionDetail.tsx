export function SessionDetail({ id }: { id: string }) {
  return <h1>{id}</h1>;
}
