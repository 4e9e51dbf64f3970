/**
 * One bench:nest round of a subject: the floor, sequential calls, calls kept in flight (with the CPU
 * they cost this process and the broker), and events; and what the rounds of the ceilings gather.
 */
import { brokerCpuMs, processCpuMs } from './broker-cpu.js';
import { floorP50 } from './library-floor.js';
import { EVENTS, EVENT_WINDOW, IN_FLIGHT, PARALLEL_CALLS, SEQUENTIAL_CALLS } from './nest-settings.js';
import type { Subject } from './nest-subjects.js';
import type { CeilingResult } from './raw-rpc.js';
import { callSum, callsInFlight, emitUntilHandled, type BenchClient } from './sum-app.js';

export interface RoundResult {
  /** The same request/reply with the bare client library under the transport (no Nest): the floor. */
  floorP50: number;
  seqP50: number;
  seqP99: number;
  seqRate: number;
  parallelRate: number;
  /** This process's CPU (client and server app together) per call at 100 in flight, µs. */
  parallelProcessUs: number;
  /** The broker's CPU per call at 100 in flight, µs (NaN where /proc cannot be read). */
  parallelBrokerUs: number;
  eventRate: number;
}

/** The zero-cost client and server's rounds, without and with acks, and Nest's own plumbing per round. */
export interface Ceilings {
  noAck: CeilingResult[];
  acked: CeilingResult[];
  /** CPU per call of the loopback Nest transport (no broker), µs. */
  nestPlumbingUs: number[];
  /** With the SDK registered: its own CPU per call for one RPC call's spans and records, no transport (µs). */
  sdkFloorUs: number[];
}

async function sequential(client: BenchClient): Promise<{ p50: number; p99: number; rate: number }> {
  const latencies = new Float64Array(SEQUENTIAL_CALLS);
  const started = performance.now();
  for (let i = 0; i < SEQUENTIAL_CALLS; i += 1) {
    const t0 = performance.now();
    await callSum(client, i);
    latencies[i] = performance.now() - t0;
  }
  const elapsed = performance.now() - started;
  latencies.sort();
  return {
    p50: latencies[Math.floor(SEQUENTIAL_CALLS * 0.5)] ?? 0,
    p99: latencies[Math.min(SEQUENTIAL_CALLS - 1, Math.floor(SEQUENTIAL_CALLS * 0.99))] ?? 0,
    rate: (SEQUENTIAL_CALLS / elapsed) * 1000,
  };
}

async function parallel(client: BenchClient): Promise<{ rate: number; processUs: number; brokerUs: number }> {
  const brokerBefore = brokerCpuMs();
  const processBefore = processCpuMs();
  const started = performance.now();
  await callsInFlight(client, PARALLEL_CALLS, IN_FLIGHT);
  const rate = (PARALLEL_CALLS / (performance.now() - started)) * 1000;
  const processUs = ((processCpuMs() - processBefore) * 1000) / PARALLEL_CALLS;
  const brokerAfter = brokerCpuMs();
  const brokerUs =
    brokerBefore === undefined || brokerAfter === undefined
      ? Number.NaN
      : ((brokerAfter - brokerBefore) * 1000) / PARALLEL_CALLS;
  return { rate, processUs, brokerUs };
}

async function events(subject: Subject): Promise<number> {
  const started = performance.now();
  await emitUntilHandled(subject.client, subject.received, EVENTS, EVENT_WINDOW);
  return (EVENTS / (performance.now() - started)) * 1000;
}

export async function round(subject: Subject): Promise<RoundResult> {
  const floor = await floorP50(subject.peer === 'nest' ? 'nest' : 'ours');
  const seq = await sequential(subject.client);
  const par = await parallel(subject.client);
  const eventRate = await events(subject);
  return {
    floorP50: floor,
    seqP50: seq.p50,
    seqP99: seq.p99,
    seqRate: seq.rate,
    parallelRate: par.rate,
    parallelProcessUs: par.processUs,
    parallelBrokerUs: par.brokerUs,
    eventRate,
  };
}
