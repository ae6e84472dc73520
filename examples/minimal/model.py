import sys

from utopya_backend import ModelBenchmarkMixin, StepwiseModel


class Walker(ModelBenchmarkMixin, StepwiseModel):
    def setup(self, *, step_size=1.0, **_):  # the model's own config keys
        self.x = 0.0
        self.step_size = step_size
        self.out_x = self.create_ts_writer("x")  # leading "time" dimension

    def perform_step(self):
        self.x += self.step_size * self.rng.normal()

    def write_data(self):  # at write_start, then every write_every steps
        self.out_x.append(self.x)

    def monitor(self, info):  # shown to the frontend
        info["x"] = self.x
        return info


if __name__ == "__main__":
    Walker(cfg_file_path=sys.argv[1]).run()
