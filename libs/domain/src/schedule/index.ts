export {
  MisfirePolicy,
  SCHEDULE_MAX_CATCH_UP_DEFAULT,
  SCHEDULE_MAX_CATCH_UP_LIMIT,
  validateSchedule,
  type Schedule,
  type ScheduleFieldError,
  type ScheduleSpec,
  type ScheduleValidation,
} from './schedule';
export { NEXT_FIRE_TIMES_MAX, nextFireTime, nextFireTimes, type Instant } from './fire-times';
export { MISSED_COUNT_LIMIT_DEFAULT, dueFires, fireAnchor, type DueFires, type DueFiresOptions } from './misfire';
export { fireId } from './fire-id';
export { isValidTimeZone } from './time-zone';
