/**
 * `wikicast_edge_connections{transport="ws"}` of one edge, from its /metrics; null once the
 * edge does not answer.
 */
export async function wsConnections(edge: { url: string }): Promise<number | null> {
  const response = await fetch(`${edge.url}/metrics`).catch(() => null);
  if (response === null || !response.ok) return null;
  const line = (await response.text()).split('\n').find((l) => l.startsWith('wikicast_edge_connections{') && l.includes('transport="ws"'));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}
