/** The Auto Scaling client, built once per Lambda container (module scope) with adaptive retry. */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CLIENT_CONFIG } from '../clients.ts';

export const autoScaling = new AutoScalingClient(CLIENT_CONFIG);
