/** The run ledger's DynamoDB client, built once per Lambda container (module scope) with adaptive retry. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CLIENT_CONFIG } from '../clients.ts';

export const dynamodb = new DynamoDBClient(CLIENT_CONFIG);
