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

/** Reads a metric's value from an edge's /metrics text (sum over series matching the label filter). */
export async function metricValue(edge: { url: string }, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${edge.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
