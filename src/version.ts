/** The release of the service, as the OpenAPI document and the replica registry show it. */
export const serviceVersion = "0.1.0"
