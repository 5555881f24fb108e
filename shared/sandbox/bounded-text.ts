// A stream's text within a character limit, keeping its head and its tail (what a failure says is
// usually at the end; what ran, at the start) with the cut marked: container output and setup logs.
import { Writable } from "node:stream";

export class BoundedText {
  private head = "";
  private tail = "";
  private cut = 0;
  private readonly decoder = new TextDecoder();
  private readonly headLimit: number;

  /** `headShare`: the part of `limit` kept from the start (default half). */
  constructor(
    private readonly limit: number,
    headShare = 0.5,
  ) {
    this.headLimit = Math.floor(limit * headShare);
  }

  sink(): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.add(this.decoder.decode(chunk, { stream: true }));
        done();
      },
    });
  }

  add(text: string): void {
    if (this.head.length < this.headLimit) {
      const take = this.headLimit - this.head.length;
      this.head += text.slice(0, take);
      text = text.slice(take);
    }
    this.tail += text;
    const tailLimit = this.limit - this.headLimit;
    if (this.tail.length > tailLimit) {
      this.cut += this.tail.length - tailLimit;
      this.tail = this.tail.slice(-tailLimit);
    }
  }

  text(): string {
    return this.cut > 0 ? `${this.head}\n… [${this.cut} characters cut] …\n${this.tail}` : this.head + this.tail;
  }
}
