import type { Transporter } from 'nodemailer';

export function createFloorActivities(transport: Transporter, from: string) {
  return {
    async sendMail(recipient: string): Promise<void> {
      await transport.sendMail({ from, to: recipient, subject: 'Your code', text: 'Code: 123456' });
    },
  };
}

export type FloorActivities = ReturnType<typeof createFloorActivities>;
