/** Bytes to and from a printer. USB bulk endpoints in production, the simulator in tests and demo. */
export interface PrinterTransport {
  write(data: Uint8Array): Promise<void>;
  /** Up to `length` bytes the printer sent; empty when it sent nothing before the transport's timeout. */
  read(length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}
