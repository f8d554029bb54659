import { printFleetScale } from './fleet-scale.ts';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
await printFleetScale();
