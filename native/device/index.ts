export { MachineIdError, readMachineId } from './machine-id';
