"""Speech for MOT Coach: audio decoding and probing, Whisper, segmenting into turns, speakers.

Settings-free (no Django): the app (calls/) reads its settings and passes explicit options, the
way it uses tone/. Modules:

audio          probe and decode uploads with PyAV (what a file is comes from its content)
model_files    assemble and verify the bundled Whisper model
transcription  the Whisper adapter, hallucination guard and the one transcribe_call path
segmenting     cut Whisper's segments into turns on word timestamps, pauses and the channel's sound
batching       pack both channels' speech into Whisper windows decoded in one batch
speakers       two voices on one channel: clustering, who is the agent, a confidence
"""
