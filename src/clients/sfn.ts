/** The Step Functions client, built once per Lambda container (module scope) with adaptive retry. */
import { SFNClient } from '@aws-sdk/client-sfn';
import { CLIENT_CONFIG } from '../clients.ts';

export const sfn = new SFNClient(CLIENT_CONFIG);
