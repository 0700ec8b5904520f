/**
 * Strongly connected components (Tarjan, iterative so deep chains cannot
 * overflow the stack) of a graph given as child-index lists. Returns only the
 * components with more than one node, i.e. the ones that contain a cycle
 * (self-edges are reported separately by the caller), each sorted ascending,
 * the list sorted by smallest member. O(V + E).
 */
export function cyclicComponents(children: readonly (readonly number[])[]): number[][] {
  const n = children.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const found: number[][] = [];
  let next = 0;
  // Explicit DFS frames: node and the position of the next child to visit.
  const frameNode: number[] = [];
  const frameChild: number[] = [];

  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    frameNode.push(root);
    frameChild.push(0);
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = 1;
    while (frameNode.length > 0) {
      const top = frameNode.length - 1;
      const v = frameNode[top];
      const kids = children[v];
      if (frameChild[top] < kids.length) {
        const w = kids[frameChild[top]++];
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = 1;
          frameNode.push(w);
          frameChild.push(0);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v], index[w]);
        }
        continue;
      }
      frameNode.pop();
      frameChild.pop();
      if (frameNode.length > 0) {
        const parent = frameNode[frameNode.length - 1];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          component.push(w);
        } while (w !== v);
        if (component.length > 1) found.push(component.sort((a, b) => a - b));
      }
    }
  }
  return found.sort((a, b) => a[0] - b[0]);
}

/**
 * One shortest cycle through the component's smallest member, in edge order
 * (`result[i] → result[i+1]`, last → first). BFS restricted to the component,
 * children visited in list order, so the answer is deterministic.
 */
export function cycleThrough(component: readonly number[], children: readonly (readonly number[])[]): number[] {
  const members = new Set(component);
  const start = component[0];
  const via = new Map<number, number>([[start, -1]]);
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head];
    for (const w of children[v]) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path: number[] = [];
        for (let u = v; u !== -1; u = via.get(u)!) path.push(u);
        return path.reverse();
      }
      if (!via.has(w)) {
        via.set(w, v);
        queue.push(w);
      }
    }
  }
  // Unreachable for a real strongly connected component; keep the members rather than hide the problem.
  return [...component];
}
