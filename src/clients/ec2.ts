/** The EC2 client, built once per Lambda container (module scope) with adaptive retry. */
import { EC2Client } from '@aws-sdk/client-ec2';
import { CLIENT_CONFIG } from '../clients.ts';

export const ec2 = new EC2Client(CLIENT_CONFIG);
