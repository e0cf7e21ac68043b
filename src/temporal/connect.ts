import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Config } from '../config';
import { keyringFromConfig } from '../crypto/keyring';
import { temporalDataConverter } from './encryptionCodec';

export async function connectTemporalClient(config: Config): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const dataConverter = temporalDataConverter(keyringFromConfig(config));
  return new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    ...(dataConverter ? { dataConverter } : {}),
    // When traces are exported, workflow starts, Updates and signals carry the caller's trace
    // to the workflow (headers).
    ...(config.OTEL_EXPORTER_OTLP_ENDPOINT
      ? { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } }
      : {}),
  });
}
