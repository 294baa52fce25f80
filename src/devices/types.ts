/** Interfaces of the simulated devices that sit between a patient and a controller. */

/** A glucose sensor: asked at each of its sample times, in increasing order. */
export interface Sensor {
  readonly name: string;
  /** Sampling period, min. */
  readonly sampleTimeMin: number;
  /** The reading (mg/dL) at `timeMin` for true blood glucose `bgMgDl`. */
  read(bgMgDl: number, timeMin: number): number;
}

/** What a controller asks for over one control period. */
export interface InsulinRequest {
  /** Basal rate, U/min (the one internal unit; U/h only at the edges). */
  readonly basalUPerMin: number;
  /** Bolus, U, delivered within the first minute of the period. */
  readonly bolusU: number;
}

/** A pump turns a request into what it can deliver (limits and increments). */
export interface InsulinPump {
  readonly name: string;
  deliver(request: InsulinRequest): InsulinRequest;
}
