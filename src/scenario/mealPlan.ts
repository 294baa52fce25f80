/**
 * The meals of a run, in simulation time: a protocol drawn from its ranges
 * (Daskalaki, Diem & Mougiakakou 2014, §3.3.2 "Meal Protocol": per day and meal kind, a time and an
 * amount of carbohydrate uniform in their ranges, some dinners and snacks
 * omitted, a uniform −50…+50 % error in the announced carbohydrate), or a
 * list taken as written.
 */
import type { RandomStream } from '../random/streams.js';
import type { MealList, MealProtocol, PlannedMeal, Scenario } from './types.js';

const MIN_PER_DAY = 1440;

/** The scenario's meals, sorted by start (ties keep day, then protocol/list order). */
export function planMeals(scenario: Scenario, stream: RandomStream): PlannedMeal[] {
  const meals = scenario.meals.kind === 'protocol'
    ? drawProtocol(scenario, scenario.meals, stream)
    : listMeals(scenario, scenario.meals);
  const endMin = scenario.days * MIN_PER_DAY;
  // Stable sort (ES2019), so equal starts keep their generation order.
  return meals.filter((m) => m.startMin >= 0 && m.startMin < endMin).sort((a, b) => a.startMin - b.startMin);
}

function drawProtocol(scenario: Scenario, protocol: MealProtocol, stream: RandomStream): PlannedMeal[] {
  // A run that starts after midnight ends on the morning of day days + 1:
  // draw that day too, so its early meals are not missing.
  const lastDay = scenario.days + (scenario.startTimeOfDayMin > 0 ? 1 : 0);
  const planned: PlannedMeal[] = [];
  for (let day = 1; day <= lastDay; day++) {
    for (const meal of protocol.meals) {
      // Four draws for every meal of every day, omitted or not, so that
      // omitting a meal (or changing its probability) never shifts later draws.
      const timeOfDayMin = stream.integerIn(meal.fromMin, meal.toMin - 1);
      const carbsG = stream.uniformIn(meal.carbsG.min, meal.carbsG.max);
      const relativeError = stream.uniformIn(protocol.estimateError.min, protocol.estimateError.max);
      const omitted = stream.uniform() < meal.omitProbability;
      if (omitted) continue;
      const startMin = (day - 1) * MIN_PER_DAY + timeOfDayMin - scenario.startTimeOfDayMin;
      planned.push({
        startMin,
        carbsG,
        estimatedCarbsG: carbsG * (1 + relativeError),
        durationMin: protocol.durationMin,
        announceMin: startMin - protocol.announceLeadMin,
        label: meal.name,
      });
    }
  }
  return planned;
}

function listMeals(scenario: Scenario, list: MealList): PlannedMeal[] {
  return list.meals.map((meal) => {
    const startMin = (meal.day - 1) * MIN_PER_DAY + meal.timeMin - scenario.startTimeOfDayMin;
    return {
      startMin,
      carbsG: meal.carbsG,
      estimatedCarbsG: meal.estimatedCarbsG ?? meal.carbsG,
      durationMin: meal.durationMin ?? list.durationMin,
      announceMin: startMin - list.announceLeadMin,
      label: 'meal',
    };
  });
}
