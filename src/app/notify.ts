// How alerts leave the building: an email over SMTP (nodemailer), when the Config names a
// server. Without one there is no Mailer, and the alerts still show in the web app and API.
import type { Transporter } from 'nodemailer';
import type { SmtpConfig } from '../config/schema.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** The SMTP mailer of the Config, or null when no TOUCHPOINT_SMTP_HOST is set. */
export function smtpMailer(cfg: SmtpConfig): Mailer | null {
  if (!cfg.host) return null;
  // nodemailer loads at the first alert, not in every process that could send one (a
  // `touchpoint sync` carries no SMTP code in its heap: docs/benchmarks.md).
  let transport: Promise<Transporter> | null = null;
  const open = async (): Promise<Transporter> => {
    const { default: nodemailer } = await import('nodemailer');
    return nodemailer.createTransport({
      host: cfg.host,
      port: cfg.port,
      secure: cfg.secure,
      ...(cfg.user ? { auth: { user: cfg.user, pass: cfg.password ?? '' } } : {}),
      // A dead SMTP server must not hold a sync or the scheduler for minutes.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  };
  return {
    async send(mail) {
      transport ??= open();
      await (await transport).sendMail({ from: cfg.from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close: () =>
      void transport?.then(
        (t) => t.close(),
        () => undefined, // never opened: nothing to close
      ),
  };
}
