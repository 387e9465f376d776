export interface Expiring {
  id: string;
  expiresAt: number;
}

/** A binary min-heap on `expiresAt`: the entry that expires first is always on top. */
export class ExpiryHeap {
  readonly #items: Expiring[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): Expiring | undefined {
    return this.#items[0];
  }

  push(item: Expiring): void {
    const items = this.#items;
    items.push(item);
    let child = items.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (items[parent]!.expiresAt <= item.expiresAt) break;
      items[child] = items[parent]!;
      child = parent;
    }
    items[child] = item;
  }

  pop(): Expiring | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let parent = 0;
    for (;;) {
      const left = 2 * parent + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && items[right]!.expiresAt < items[left]!.expiresAt ? right : left;
      if (items[child]!.expiresAt >= last.expiresAt) break;
      items[parent] = items[child]!;
      parent = child;
    }
    items[parent] = last;
    return top;
  }
}
