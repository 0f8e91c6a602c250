import { StreamableFile } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { PdfFile } from 'src/dossiers/documents/documents.service';

/** Sends a rendered document as a download; documents carry personal data, so nothing caches them. */
export function pdfResponse(file: PdfFile, reply: FastifyReply): StreamableFile {
  void reply.header('Cache-Control', 'private, no-store');
  return new StreamableFile(file.content, {
    type: 'application/pdf',
    disposition: `attachment; filename="${file.fileName}"`,
  });
}
