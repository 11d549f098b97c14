#!/usr/bin/env bash
# Makes the two video test clips from tools/samples/ with ffmpeg alone (used by the video tests and
# tools/video_bench.sh):
#   still.mp4  a still camera on astronaut with a disc moving across it (left to right and back)
#   pan.mp4    a slow pan across chelsea (the view slides right by a third of its width)
# both H.264 yuv420p at WIDTHxHEIGHT, RATE fps, round(SECONDS × RATE) frames, with a 440 Hz AAC audio track.
#   bash tools/make_test_clips.sh OUTDIR [WIDTH HEIGHT SECONDS RATE]   (default 96 64 2 30000/1001)
set -euo pipefail
out=$1; w=${2:-96}; h=${3:-64}; seconds=${4:-2}; rate=${5:-30000/1001}
samples="$(cd "$(dirname "$0")/samples" && pwd)"
mkdir -p "$out"
disc=$(( h / 3 )); disc=$(( disc + disc % 2 ))
audio=(-f lavfi -i "sine=frequency=440:sample_rate=44100:duration=$seconds")
frames=$(awk -v s="$seconds" -v r="$rate" 'BEGIN { split(r, f, "/"); if (f[2] == "") f[2] = 1; printf "%d", s * f[1] / f[2] + 0.5 }')
encode=(-c:v libx264 -preset veryfast -crf 12 -pix_fmt yuv420p -c:a aac -b:a 64k -t "$seconds")

# Astronaut scaled to cover WxH, a red disc (alpha from its distance to the centre) sliding along a
# triangle wave: x goes 0 → W-disc → 0 over the clip.
ffmpeg -v error -y -loop 1 -framerate "$rate" -i "$samples/astronaut.png" \
  -f lavfi -i "color=c=0xd03020:s=${disc}x${disc}:r=$rate,format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='if(lt(hypot(X-W/2,Y-H/2),W/2),255,0)'" \
  "${audio[@]}" \
  -filter_complex "[0]scale=${w}:${h}:force_original_aspect_ratio=increase,crop=${w}:${h},setsar=1[bg];[bg][1]overlay=x='(W-w)*(1-abs(1-2*t/$seconds))':y='(H-h)/2':shortest=1,trim=end_frame=$frames[v]" \
  -map "[v]" -map 2:a "${encode[@]}" "$out/still.mp4"

# Chelsea scaled so its width is 1.5×W (height ≥ H), a WxH window sliding right by W/2 over the clip.
ffmpeg -v error -y -loop 1 -framerate "$rate" -i "$samples/chelsea.png" "${audio[@]}" \
  -filter_complex "[0]scale=$(( w * 3 / 2 )):-2,scale=w='max(iw,ceil(${h}*iw/ih/2)*2)':h='max(ih,${h})',setsar=1,crop=${w}:${h}:x='(iw-ow)*t/$seconds':y='(ih-oh)/2',trim=end_frame=$frames[v]" \
  -map "[v]" -map 1:a "${encode[@]}" "$out/pan.mp4"
