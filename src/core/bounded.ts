/**
 * Maps and sets that forget their oldest entries past a size: what the plugin remembers of
 * sessions (their lives, ids seen, claims, records) stays bounded over a long-running OpenCode.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super()
  }

  override set(key: K, value: V): this {
    // Newly set keys go to the end: the oldest is the first.
    if (this.has(key)) this.delete(key)
    super.set(key, value)
    for (const oldest of this.keys()) {
      if (this.size <= this.max) break
      this.delete(oldest)
    }
    return this
  }
}

export class BoundedSet<T> extends Set<T> {
  constructor(private readonly max: number) {
    super()
  }

  override add(value: T): this {
    super.add(value)
    for (const oldest of this.values()) {
      if (this.size <= this.max) break
      this.delete(oldest)
    }
    return this
  }
}
